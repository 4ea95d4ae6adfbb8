using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ImageDsl.Build.Diagnostics;

namespace ImageDsl.Build.Metadata;

/// <summary>
/// Reads the images a project defines from its built assembly's metadata, without loading or running any user code
/// (the assembly may target another runtime, and running user code inside MSBuild is not ours to do).
/// </summary>
public static class ImageMetadataReader
{
    private const string AttributeNamespace = "ImageDsl";
    private const string AttributeName = "GeneratedImageAttribute";
    private const string GeneratedNamespace = "ImageDsl.Generated";

    public static IReadOnlyList<ImageDefinition> Read(string assemblyPath)
    {
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            var reader = pe.GetMetadataReader();
            var images = new List<ImageDefinition>();
            foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
            {
                var attribute = reader.GetCustomAttribute(handle);
                if (!IsGeneratedImageAttribute(reader, attribute)) continue;
                var value = attribute.DecodeValue(StringTypeProvider.Instance);
                var args = value.FixedArguments;
                images.Add(new ImageDefinition(
                    Name: (string)args[0].Value!,
                    Dockerfile: (string)args[1].Value!,
                    Context: (string)args[2].Value!,
                    Tags: ((string)args[3].Value!).Split(';', StringSplitOptions.RemoveEmptyEntries),
                    ExpectOutput: (string?)args[4].Value,
                    ExpectExitCode: (int)args[5].Value!,
                    SmokeRun: (bool)args[6].Value!,
                    ManifestJson: (string)args[7].Value!));
            }

            return images;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or InvalidOperationException or InvalidCastException or IndexOutOfRangeException or ArgumentOutOfRangeException or UnauthorizedAccessException)
        {
            throw new ImageDslException(ErrorCodes.MetadataUnreadable, e, assemblyPath, e.Message);
        }
    }

    // The generator declares the attribute in the user's assembly (ImageDsl.Generated, a MethodDefinition constructor);
    // assemblies built by an earlier ImageDsl reference the one ImageDsl.dll had (ImageDsl, a MemberReference).
    private static bool IsGeneratedImageAttribute(MetadataReader reader, CustomAttribute attribute)
    {
        switch (attribute.Constructor.Kind)
        {
            case HandleKind.MethodDefinition:
                var type = reader.GetTypeDefinition(reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType());
                return reader.StringComparer.Equals(type.Name, AttributeName) && reader.StringComparer.Equals(type.Namespace, GeneratedNamespace);
            case HandleKind.MemberReference:
                var constructor = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
                if (constructor.Parent.Kind != HandleKind.TypeReference) return false;
                var reference = reader.GetTypeReference((TypeReferenceHandle)constructor.Parent);
                return reader.StringComparer.Equals(reference.Name, AttributeName) && reader.StringComparer.Equals(reference.Namespace, AttributeNamespace);
            default:
                return false;
        }
    }

    /// <summary>Just enough of a type provider for an attribute whose arguments are strings, an int and a bool.</summary>
    private sealed class StringTypeProvider : ICustomAttributeTypeProvider<string>
    {
        public static readonly StringTypeProvider Instance = new();

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSystemType() => "System.Type";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);
        public string GetTypeFromSerializedName(string name) => name;
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(string type) => type == "System.Type";
    }
}
